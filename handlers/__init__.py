"""One module per capability the user sees; each registers what it answers on bot.registry.registry."""
