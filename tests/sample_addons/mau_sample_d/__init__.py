# Not installed in the template: tests make a changed addon depend on it, so
# that an upgrade installs it, and break it to see the upgrade fail.
