"""The meaning classifier: what a message says, English and Chinese, beyond listed words."""
