"""The collector's set-up for a served component, and the counting of its pauses."""
import gc

import pytest

from nabo_common.runtime import gc_tuning, settings


class StepClock:
    def __init__(self, *readings):
        self.readings = list(readings)

    def __call__(self):
        return self.readings.pop(0)


def _samples(collector):
    return {(sample.name, tuple(sample.labels.values())): sample.value
            for family in collector.collect() for sample in family.samples}


def test_pauses_are_summed_counted_and_the_longest_kept_by_generation():
    pauses = gc_tuning.CollectionPauses(clock=StepClock(1.0, 1.004, 2.0, 2.001, 3.0, 3.05))
    pauses("start", {"generation": 0})
    pauses("stop", {"generation": 0})
    pauses("start", {"generation": 0})
    pauses("stop", {"generation": 0})
    pauses("start", {"generation": 2})
    pauses("stop", {"generation": 2})
    samples = _samples(pauses)
    assert samples[("nabo_gc_pause_seconds_total", ("0",))] == pytest.approx(0.005)
    assert samples[("nabo_gc_collections_total", ("0",))] == 2
    assert samples[("nabo_gc_longest_pause_seconds", ("0",))] == pytest.approx(0.004)
    assert samples[("nabo_gc_pause_seconds_total", ("2",))] == pytest.approx(0.05)
    assert samples[("nabo_gc_collections_total", ("1",))] == 0


def test_a_stop_without_its_start_is_not_counted():
    pauses = gc_tuning.CollectionPauses(clock=StepClock())
    pauses("stop", {"generation": 1})  # hooked in while a collection ran
    assert _samples(pauses)[("nabo_gc_collections_total", ("1",))] == 0


def test_a_real_collection_is_counted():
    pauses = gc_tuning.CollectionPauses()
    gc.callbacks.append(pauses)
    try:
        gc.collect(1)
    finally:
        gc.callbacks.remove(pauses)
    assert pauses.count[1] == 1 and pauses.seconds[1] > 0


@pytest.fixture
def collector_restored(monkeypatch):
    threshold = gc.get_threshold()
    monkeypatch.setattr(gc_tuning, "_pauses", None)
    yield
    if gc_tuning._pauses is not None:
        gc.callbacks.remove(gc_tuning._pauses)
        gc_tuning.REGISTRY.unregister(gc_tuning._pauses)
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_tuning_freezes_what_exists_and_raises_the_youngest_threshold(collector_restored):
    _, second, third = gc.get_threshold()
    walked_before = len(gc.get_objects())  # what a full collection walks: the permanent generation is not
    pauses = gc_tuning.tune(5000)
    assert gc.get_threshold() == (5000, second, third)
    assert gc.get_freeze_count() > 10_000
    assert len(gc.get_objects()) < walked_before / 10
    assert pauses in gc.callbacks
    assert gc_tuning.tune(6000) is pauses and gc.callbacks.count(pauses) == 1  # twice installs once
    assert _samples(pauses)[("nabo_gc_frozen_objects", ())] == gc.get_freeze_count()


def test_the_threshold_setting(monkeypatch):
    assert settings.load("events").gc_threshold == 7000
    monkeypatch.setenv("EVENTS_GC_THRESHOLD", "20000")
    assert settings.load("events").gc_threshold == 20000
    for bad in ("many", "10"):
        monkeypatch.setenv("GC_THRESHOLD", bad)
        with pytest.raises(settings.ConfigError, match="GC_THRESHOLD"):
            settings.load("members")
