"""The project's settings: `base` is shared; `portal` is the portal process's (manage.py's default),
`helpdesk` the embedded helpdesk process's. Each process runs with exactly one of the two."""
