"""Rasa's own command line (``python server.py run …``, as ``rasa run …``) with quick model loading.

Rasa 3.6 loads each TensorFlow model (DIET, TED) by *training it for one step* on an example
batch, so that the optimizer's variables exist beside the model's, and only then reads the
trained weights. Tracing that training step is most of a server's start: 36 of its 40 seconds
on a 2-core machine, paid at every start and at every restart after a crash. Serving needs no
optimizer, so the quick load reads the weights first and lets the one prediction Rasa makes
anyway create the model's variables, each restored from the checkpoint as it is created
(TensorFlow's restore-on-create). Every variable the model then holds must have come from the
checkpoint, or the quick load is given up for Rasa's own; fine-tuning always takes Rasa's path.

`sinyal run` starts Rasa through this file. Checked by tests/bot/test_quick_load.py (the same
predictions and weights as Rasa's own load), measured by benchmarks/system_startup.py.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY
from rasa.utils.tensorflow.model_data import RasaModelData
from rasa.utils.tensorflow.models import RasaModel

logger = logging.getLogger("quick_load")
rasa_load = RasaModel.load.__func__


def quick_load(
    cls: type[RasaModel],
    model_file_name: str,
    model_data_example: RasaModelData,
    predict_data_example: RasaModelData | None = None,
    finetune_mode: bool = False,
    *args: Any,
    **kwargs: Any,
) -> RasaModel:
    """``RasaModel.load`` without the training step when the model is only going to predict."""
    if finetune_mode or predict_data_example is None:
        return rasa_load(
            cls, model_file_name, model_data_example, predict_data_example, finetune_mode,
            *args, **kwargs,
        )  # fmt: skip
    try:
        return load_for_serving(cls, model_file_name, predict_data_example, *args, **kwargs)
    except Exception as exc:  # whatever went wrong, Rasa's own way still works
        logger.warning("quick load of %s failed (%s); loading it Rasa's way", cls.__name__, exc)
        return rasa_load(
            cls, model_file_name, model_data_example, predict_data_example, finetune_mode,
            *args, **kwargs,
        )  # fmt: skip


def load_for_serving(
    cls: type[RasaModel],
    model_file_name: str,
    predict_data_example: RasaModelData,
    *args: Any,
    **kwargs: Any,
) -> RasaModel:
    import tensorflow as tf

    config = kwargs.get("config", {})
    model = cls(*args, **kwargs)
    model.compile(
        optimizer=tf.keras.optimizers.Adam(config.get(LEARNING_RATE, 0.001)),
        run_eagerly=config.get(RUN_EAGERLY),
    )
    restored = model.load_weights(model_file_name)  # nothing to restore into yet: deferred
    model.run_inference(predict_data_example)  # creates the variables; each is restored
    restored.assert_existing_objects_matched()  # ...or this fails: none may be left unread
    restored.expect_partial()  # the optimizer's slots in the checkpoint stay unread, on purpose
    logger.info("%s loaded without its training step", cls.__name__)
    return model


def main() -> None:
    RasaModel.load = classmethod(quick_load)
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
