"""Built-in plugins of the core, registered through the entry-point group like any other."""
