{
    "name": "Auto-upgrade sample g",
    "version": "18.0.1.0.0",
    "depends": ["mau_sample_f"],
    "license": "LGPL-3",
    "installable": True,
}
