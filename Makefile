.PHONY: run test
run:   ## run the whole system locally with demo data (needs RabbitMQ)
	@bash scripts/run-local.sh
test:  ## run every test tier against PostgreSQL and RabbitMQ
	@bash scripts/test.sh
