"""The peer benchmark harness behind ``benchmarks/run.py``.

One module per concern: ``procs`` (child processes measured by rusage), ``nginx`` (the
pinned reference target), ``tools`` (how each generator is invoked and its output read),
``stats`` (medians, ranges, Markdown tables), ``machine`` (context lines), and one module
per table (``efficiency``, ``scaling``, ``openmodel``, ``stall``, ``memory``, ``hooks``,
``external``). ``document`` assembles BENCHMARKS.md from a template.
"""
