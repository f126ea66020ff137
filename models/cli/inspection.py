"""`backproplab graph`, `step` and `flow`: a worked example or one step of a tiny model, drawn,
stepped through, or measured for gradient flow."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:   # the engine is imported when a command runs, not for `--help`
    from autograd.core.value import Value


def _subject(args: argparse.Namespace) -> tuple[Value, str]:
    """The graph a command shows: a worked example, or one step of a tiny model."""
    if args.example:
        from autograd.examples import load

        example = load(args.example)
        return example.graph(), getattr(example, "TITLE", f"example {args.example}")
    from models.registry import tiny_loss

    return tiny_loss(args.model)[1], f"one step of a tiny {args.model} model"


def run_graph(args: argparse.Namespace) -> int:
    from autograd.tools.draw import draw, save_svg
    from autograd.tools.trace import trace_backward

    output, title = _subject(args)
    trace = trace_backward(output)
    graph = draw(output, show_data=not args.no_data, trace=trace,
                 collapse=True if args.collapse else None)
    print(f"{title}: {len(trace)} gates; written to {save_svg(graph, args.out)}")
    return 0


def run_step(args: argparse.Namespace) -> int:
    output, title = _subject(args)
    if args.frames:
        from autograd.tools.explorer import save_frames

        frames = save_frames(output, args.frames, args.collapse, args.frame_format)
        print(f"{title}: {len(frames)} frames written to {args.frames}")
        return 0
    if args.html:
        from autograd.tools.explorer import save_step_page

        page = save_step_page(output, args.html, title, depth=args.collapse)
        print(f"{title}: step-through page written to {page}")
        return 0
    from autograd.tools.stepper import HELP, Stepper
    from autograd.tools.trace import trace_backward

    trace = trace_backward(output)
    print(f"{title}: {len(trace)} gates. {HELP}")
    stepper = Stepper(trace)
    if args.all:
        stepper.do_c("")
    else:
        stepper.cmdloop()
    return 0


def run_flow(args: argparse.Namespace) -> int:
    if args.model == "rnn":
        from models.rnn_flow import demo_flows, plot_flows

        plot_flows(demo_flows(), args.out)
    elif args.model in ("lstm", "gru"):
        from models.rnn_flow import compare_cells, plot_cells

        flows = compare_cells()
        for flow in flows:
            reach = ", ".join(f"t={t}: {n:.2g}" for t, n in enumerate(flow.state_norms, 1)
                              if t in (1, len(flow.state_norms) // 2, len(flow.state_norms)))
            print(f"{flow.label}: ‖∂L/∂h_t‖ {reach}")
        plot_cells(flows, args.out)
    else:
        from autograd.tools.flow import format_table, grad_flow, plot_grad_flow
        from models.registry import tiny_loss

        model, loss = tiny_loss(args.model, batch_size=32)
        loss.backward()
        rows = grad_flow(model)
        print(format_table(rows))
        plot_grad_flow(rows, args.out, f"gradient norm per parameter, tiny {args.model}")
    print(f"written to {args.out}")
    return 0
