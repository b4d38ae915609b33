from . import auto_upgrade
from ..startup import post_load

# odoo-bin imports this package to discover commands, after which Odoo never
# calls the manifest's post_load (the package is already imported): install
# the upgrade-on-start hook here too. It acts only when configured.
post_load()
