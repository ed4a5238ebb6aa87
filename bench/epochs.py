"""Seconds per training epoch on the English corpus, in a fresh process as ``chatcore train``
runs it (TensorFlow's thread settings only apply before it starts).

python -m bench.epochs EPOCHS [--no-buckets]   prints a JSON list: one wall time per epoch
"""

from __future__ import annotations

import json
import sys
import time

from chatcore.tfquiet import quiet_tensorflow


def english_pairs():
    from chatcore.builtin.qa.data import hygiene, sources

    english = [f for f in sources.default_data_files() if f.parent.name == "english"]
    return hygiene.check(sources.load_files(english)).kept


def epoch_seconds(epochs: int, bucket_by_length: bool) -> list[float]:
    import keras

    from chatcore.builtin.qa.train.training import TrainSettings, train

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.seconds: list[float] = []

        def on_epoch_begin(self, epoch, logs=None) -> None:
            self.started = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None) -> None:
            self.seconds.append(time.perf_counter() - self.started)

    timer = EpochTimer()
    settings = TrainSettings(
        epochs=epochs,
        patience=epochs,
        bucket_by_length=bucket_by_length,
        ensemble=1,  # seconds per epoch of one network
        decoder={"enabled": False},
    )
    train(english_pairs(), settings, callbacks=[timer])
    return timer.seconds


def main() -> None:
    quiet_tensorflow()
    epochs = int(sys.argv[1])
    print(json.dumps(epoch_seconds(epochs, "--no-buckets" not in sys.argv)))


if __name__ == "__main__":
    main()
