"""Route mixins, one module per service. A module whose service holds personal
data adds the service's name to EXPORTERS so GET /v1/persons/{id}/export asks it."""
EXPORTERS = []
