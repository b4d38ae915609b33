{
    "name": "Auto-upgrade sample f",
    "version": "18.0.1.0.0",
    "depends": ["mau_sample_e"],
    "license": "LGPL-3",
    "installable": True,
}
