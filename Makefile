.PHONY: run test lint
run:   ## run the whole system locally with demo data (needs RabbitMQ)
	@bash scripts/run-local.sh
test:  ## run every test tier against PostgreSQL and RabbitMQ
	@bash scripts/test.sh
lint:  ## pyflakes, import order, line length and import layers
	@bash scripts/lint.sh
.PHONY: i18n-extract i18n-check
i18n-extract:  ## collect the server's texts into the catalogues (nabo_common/i18n/locale)
	@bash scripts/i18n.sh extract
i18n-check:  ## list catalogue entries that are not translated yet
	@bash scripts/i18n.sh check
