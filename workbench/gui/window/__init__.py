"""The main window: actions, layout, file dialogs and unsaved-changes prompts."""
