"""What watches training, attached in one way: a `TrainingObserver` in the trainer's `observers`.

`Trainer.train_step` is the lecture's step — forward, loss, zero grads, backward, update — and
nothing else; all that happens around it (the divergence guard, the diagnostics and their
drawing of the graph, the gradient-norm log, the metrics file, the live page, a progress bar)
is an observer, called in list order at these points:

- `before_step(trainer)`: before the batch is drawn (`trainer.step` steps are done);
- `after_forward(trainer, loss)`: the loss as a tensor, its graph whole, before backward
  (under truncated BPTT, where the model runs forward and backward chunk by chunk, the first
  chunk's loss; and `run_backward` is asked for that chunk's pass);
- `run_backward(trainer, loss)`: return True after running the backward pass yourself (the
  diagnostics do, through a trace, when they draw the step's graph); the first that does ends
  the asking, and when none does the trainer calls `loss.backward()`;
- `after_backward(trainer, loss)`: the gradients are in place, no weight has changed; raising
  here leaves the step not taken;
- `after_update(trainer, loss)`: the optimiser has stepped and `trainer.step` counts the step;
- `after_step(trainer, loss, tokens_per_second)`: `Trainer.run`'s report of the step, timed;
- `after_validation(trainer, val_loss)`: `Trainer.run` measured the validation loss.

Every hook does nothing unless overridden, so an observer defines only those it needs. An
observer that reads what another one recorded (the metrics log reads the diagnostics) comes
after it in the list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:   # the trainer imports this module: its type is for the annotations only
    from autograd import Tensor
    from models.train import Trainer


class TrainingObserver:
    """One watcher of training; see the module's docstring for when each hook is called."""

    def before_step(self, trainer: Trainer) -> None:
        pass

    def after_forward(self, trainer: Trainer, loss: Tensor) -> None:
        pass

    def run_backward(self, trainer: Trainer, loss: Tensor) -> bool:
        return False

    def after_backward(self, trainer: Trainer, loss: float) -> None:
        pass

    def after_update(self, trainer: Trainer, loss: float) -> None:
        pass

    def after_step(self, trainer: Trainer, loss: float, tokens_per_second: float) -> None:
        pass

    def after_validation(self, trainer: Trainer, val_loss: float) -> None:
        pass
