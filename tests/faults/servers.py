"""The servers the fault suite restarts for real: a RabbitMQ node and a PostgreSQL instance of its own, each
with its data in a temp dir and its own ports, so stopping, crashing and starting them again touches
neither the machine's servers (RabbitMQ at 5672, PostgreSQL at 5432) nor anybody else's tests.

Both run as their system users when the suite runs as root (RabbitMQ as ``rabbitmq``, sharing that user's
Erlang cookie with ``rabbitmqctl``; PostgreSQL as ``postgres``), as the current user otherwise.
"""
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile

import psycopg2

from tests.faults.cluster import wait_until
from tests.support.infra import free_port

PG_BIN = (sorted(glob.glob("/usr/lib/postgresql/*/bin")) or [""])[-1]
# the scripts themselves: the wrappers in /usr/sbin switch users on their own
RABBITMQ_BIN = "/usr/lib/rabbitmq/bin"


def refuses_connections(port):
    """True when nothing listens on the port: the server is really down, not just slow."""
    with socket.socket() as s:
        s.settimeout(2)
        return s.connect_ex(("127.0.0.1", port)) != 0


def _as(user):
    return ["runuser", "-u", user, "--"] if os.geteuid() == 0 else []


def _owned_temp_dir(prefix, user):
    path = tempfile.mkdtemp(prefix=prefix)
    if os.geteuid() == 0:
        shutil.chown(path, user, user)
    return path


def _running_pid(pid_file):
    """The process id a server wrote to its pid file, None unless that process is running."""
    try:
        with open(pid_file) as f:
            pid = int(f.readline().strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid


class PrivateRabbitMQ:
    """A RabbitMQ node of the suite's own (``nabo-faults-<port>@localhost``), management plugin off.
    ``kill9()`` and ``start()`` again keep its data dir: durable queues and persistent messages must be
    there after the crash."""

    user = "rabbitmq"

    def __init__(self, name="nabo-faults", config=""):
        self.dir = _owned_temp_dir(f"{name}-rabbitmq-", self.user)
        self.port = free_port()
        self.dist_port = free_port()
        self.node = f"{name}-{self.port}@localhost"
        self.pid_file = os.path.join(self.dir, "beam.pid")
        self.log_path = os.path.join(self.dir, "server.log")
        self.uri = f"amqp://guest:guest@127.0.0.1:{self.port}/"
        self._write("rabbitmq.conf", f"listeners.tcp.local = 127.0.0.1:{self.port}\n{config}")
        self._write("enabled_plugins", "[].\n")

    def _write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        if os.geteuid() == 0:
            shutil.chown(path, self.user, self.user)

    def _env(self):
        env = dict(os.environ)
        if os.geteuid() == 0:
            env["HOME"] = os.path.expanduser(f"~{self.user}")  # where the user's Erlang cookie is
        env.update(
            RABBITMQ_NODENAME=self.node,
            RABBITMQ_NODE_PORT=str(self.port),
            RABBITMQ_DIST_PORT=str(self.dist_port),
            RABBITMQ_MNESIA_BASE=os.path.join(self.dir, "mnesia"),
            RABBITMQ_LOG_BASE=os.path.join(self.dir, "log"),
            RABBITMQ_CONFIG_FILE=os.path.join(self.dir, "rabbitmq.conf"),
            RABBITMQ_ENABLED_PLUGINS_FILE=os.path.join(self.dir, "enabled_plugins"),
            RABBITMQ_PID_FILE=self.pid_file,
        )
        return env

    def _script(self, name):
        path = os.path.join(RABBITMQ_BIN, name)
        return path if os.path.exists(path) else (shutil.which(name) or name)

    def ctl(self, *args, timeout=120, check=True):
        """``rabbitmqctl -n <node> ...``; its completed process."""
        done = subprocess.run([*_as(self.user), self._script("rabbitmqctl"), "-n", self.node, *args],
                              env=self._env(), cwd=self.dir, capture_output=True, text=True, timeout=timeout)
        if check and done.returncode != 0:
            raise AssertionError(f"rabbitmqctl {' '.join(args)} failed: {done.stdout}{done.stderr}")
        return done

    def start(self, timeout=180):
        """Start the node on its data dir and wait until it accepts AMQP connections."""
        if os.path.exists(self.pid_file):
            os.remove(self.pid_file)  # a crashed node's: `rabbitmqctl wait` would wait for that pid
        with open(self.log_path, "ab") as log:
            subprocess.Popen([*_as(self.user), self._script("rabbitmq-server")], env=self._env(),
                             cwd=self.dir, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.ctl("wait", self.pid_file, "--timeout", str(timeout), timeout=timeout + 30)
        assert wait_until(lambda: not refuses_connections(self.port), 30), "RabbitMQ up but not listening"

    @property
    def pid(self):
        """The node's Erlang VM (beam) process id, None when it is not running."""
        return _running_pid(self.pid_file)

    def logged(self, text):
        """How many lines of the node's log hold ``text``."""
        try:
            with open(os.path.join(self.dir, "log", f"{self.node}.log"), errors="replace") as f:
                return sum(text in line for line in f)
        except OSError:
            return 0

    def kill9(self):
        """Crash the node: SIGKILL of its Erlang VM, nothing flushed or closed politely."""
        pid = self.pid
        assert pid, "RabbitMQ node is not running"
        os.kill(pid, signal.SIGKILL)
        assert wait_until(lambda: self.pid is None and refuses_connections(self.port), 30)

    def heal(self):
        """Running again, whatever a scenario did to it (stopped, crashed or paused)."""
        if self.pid is not None:
            os.kill(self.pid, signal.SIGCONT)
        else:
            self.start()

    def stop(self):
        if self.pid is None:
            return
        if self.ctl("stop", timeout=60, check=False).returncode != 0 and self.pid:
            os.kill(self.pid, signal.SIGKILL)
        wait_until(lambda: self.pid is None, 30)

    def close(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivatePostgres:
    """A PostgreSQL instance of the suite's own (initdb in a temp dir, its own port), fsync on and
    ``synchronous_commit`` at its default: a commit it acknowledged must survive a crash. The machine's
    server also has a small connection limit shared with other test runs, and replicas need many."""

    user = "postgres"

    def __init__(self):
        self.dir = _owned_temp_dir("nabo-faults-pg-", self.user)
        self.port = free_port()
        self.admin_url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        subprocess.run([*_as(self.user), f"{PG_BIN}/initdb", "-D", self.dir, "-A", "trust", "-U", "postgres"],
                       check=True, capture_output=True, timeout=120)

    def _pg_ctl(self, *args, timeout=120):
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=400"
        done = subprocess.run([*_as(self.user), f"{PG_BIN}/pg_ctl", "-D", self.dir, "-w", "-t", str(timeout),
                               "-l", f"{self.dir}/server.log", "-o", options, *args],
                              capture_output=True, text=True, timeout=timeout + 30)
        assert done.returncode == 0, f"pg_ctl {' '.join(args)} failed: {done.stdout}{done.stderr}"

    def start(self):
        self._pg_ctl("start")

    @property
    def pid(self):
        """The postmaster's process id, None when it is not running."""
        return _running_pid(os.path.join(self.dir, "postmaster.pid"))

    def crash(self):
        """``pg_ctl stop -m immediate``: every server process quits at once without a checkpoint, as on a
        crash; the next start runs crash recovery from the write-ahead log."""
        self._pg_ctl("stop", "-m", "immediate")

    def stop(self):
        """``pg_ctl stop -m fast``: sessions are ended and the server shuts down cleanly; a standby has
        received every committed transaction before the primary is down (a switchover)."""
        self._pg_ctl("stop", "-m", "fast")

    def close(self):
        if self.pid is not None:
            self.crash()
        shutil.rmtree(self.dir, ignore_errors=True)


class PostgresStandby(PrivatePostgres):
    """A streaming replica of a PrivatePostgres on a port of its own: ``pg_basebackup -R`` of the primary
    (its databases as they are at that moment), then streaming; ``promote()`` makes it the primary."""

    def __init__(self, primary):  # not super().__init__: no initdb, the copy is the primary's
        self.dir = _owned_temp_dir("nabo-faults-pg-standby-", self.user)
        self.port = free_port()
        self.admin_url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        subprocess.run([*_as(self.user), f"{PG_BIN}/pg_basebackup", "-h", "127.0.0.1",
                        "-p", str(primary.port), "-U", "postgres", "-D", self.dir, "-R", "-X", "stream",
                        "-c", "fast"],
                       check=True, capture_output=True, timeout=300)

    def in_recovery(self):
        conn = psycopg2.connect(self.admin_url, connect_timeout=5)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT pg_is_in_recovery()")
                return cur.fetchone()[0]
        finally:
            conn.close()

    def promote(self):
        self._pg_ctl("promote")


class RabbitMQCluster:
    """Three RabbitMQ nodes of the suite's own on this machine (``nabo-cluster-<port>@localhost``), each
    with its own ports and data dir, sharing the ``rabbitmq`` user's Erlang cookie, joined into one cluster
    with ``rabbitmqctl join_cluster``, and a vhost ``nabo`` whose default queue type is quorum, as
    production's (deploy/infra/production/rabbitmq.yaml). ``uri`` names every node, separated by ``;``
    (kombu's failover form): a client whose node goes away connects to the next."""

    vhost = "nabo"

    def __init__(self, size=3):
        # a partition: the minority side pauses (production's operator default), so a node cut away
        # never serves on its own and rejoins by itself once it sees the others again
        config = "cluster_partition_handling = pause_minority\n"
        self.nodes = [PrivateRabbitMQ("nabo-cluster", config) for _ in range(size)]
        self.uri = ";".join(f"{node.uri}{self.vhost}" for node in self.nodes)

    def start(self):
        first, *others = self.nodes
        first.start()
        for node in others:
            node.start()
            node.ctl("stop_app")
            node.ctl("join_cluster", first.node)
            node.ctl("start_app")
        self.wait_clustered()
        first.ctl("add_vhost", self.vhost, "--default-queue-type", "quorum")
        first.ctl("set_permissions", "-p", self.vhost, "guest", ".*", ".*", ".*")

    def running_nodes(self):
        """The node names a running node reports as running in the cluster."""
        for node in self.running():
            done = node.ctl("cluster_status", "--formatter", "json", timeout=60, check=False)
            if done.returncode == 0:
                return set(json.loads(done.stdout).get("running_nodes", []))
        return set()

    def wait_clustered(self, timeout=120):
        names = {node.node for node in self.nodes}
        assert wait_until(lambda: self.running_nodes() == names, timeout, interval=1), (
            f"the nodes are not all running in one cluster: {self.running_nodes()}"
        )

    def running(self):
        return [node for node in self.nodes if node.pid is not None]

    def node_named(self, name):
        return next(node for node in self.nodes if node.node == name)

    def serving(self):
        """The nodes that run and take clients (a node paused in a partition runs but refuses them)."""
        return [node for node in self.running() if not refuses_connections(node.port)]

    def ctl(self, *args, **kwargs):
        """``rabbitmqctl`` on the first node that serves."""
        return self.serving()[0].ctl(*args, **kwargs)

    def queues(self, *columns):
        """Each queue of the vhost as a dict of the ``columns`` asked for (``name`` among them)."""
        done = self.ctl("list_queues", "-p", self.vhost, "name", *columns, "--formatter", "json", "--quiet")
        return json.loads(done.stdout)

    def leaders(self, names):
        """Queue name -> the node that leads it, for the quorum queues among ``names``."""
        return {q["name"]: q["leader"] for q in self.queues("type", "leader")
                if q["name"] in names and q["type"] == "quorum"}

    def partition(self, node):
        """Cut ``node`` off from the other nodes as a network partition would, on one machine: on ``node``,
        the Erlang cookie it expects from each other node is set to a wrong one and its distribution
        connection to it closed (``erlang:disconnect_node``), so neither side can connect again (each
        handshake fails) while AMQP clients still reach every node. The nodes see each other go down at
        once, not after ``net_ticktime`` as on a silent network. ``reconnect`` undoes it."""
        self._eval(node, "[begin erlang:set_cookie(N, nabo_partitioned), erlang:disconnect_node(N) end"
                         " || N <- [{others}]], ok.")

    def reconnect(self, node):
        """The partition of ``node`` over: it accepts the other nodes' cookie again and, when paused,
        finds the majority on its next attempt and starts again."""
        self._eval(node, "[erlang:set_cookie(N, erlang:get_cookie()) || N <- [{others}]], ok.")

    def _eval(self, node, expression):
        others = ", ".join(f"'{other.node}'" for other in self.nodes if other is not node)
        node.ctl("eval", expression.replace("{others}", others), timeout=60)

    def heal(self):
        for node in self.nodes:
            node.heal()
        for node in self.nodes:
            self.reconnect(node)
        self.wait_clustered()

    def close(self):
        for node in self.nodes:
            node.close()
