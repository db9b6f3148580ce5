"""The browser workbench (Gradio) and its view helpers; a door onto the core, which never imports it."""
