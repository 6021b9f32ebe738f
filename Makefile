.PHONY: run test lint
run:   ## run the whole system locally with demo data (needs RabbitMQ)
	@bash scripts/run-local.sh
test:  ## run every test tier against PostgreSQL and RabbitMQ
	@bash scripts/test.sh
lint:  ## pyflakes, import order, line length and import layers
	@bash scripts/lint.sh
