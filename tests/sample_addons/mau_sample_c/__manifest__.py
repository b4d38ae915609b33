{
    "name": "Auto-upgrade sample c",
    "version": "18.0.1.0.0",
    "depends": ["base"],
    "license": "LGPL-3",
    "data": ["security/ir.model.access.csv", "views/views.xml"],
    "installable": True,
}
