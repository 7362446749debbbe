"""The five dynamic resources, one module each."""
