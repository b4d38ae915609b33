{
    "name": "Auto-upgrade sample d",
    "version": "18.0.1.0.0",
    "depends": ["base"],
    "license": "LGPL-3",
    "installable": True,
}
