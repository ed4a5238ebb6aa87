"""The model: features, the pretrained sentence encoder, the Keras network and its layers, the
generation head's layers, and the model directory on disk."""
