"""The prediction model: first- and second-order transition counts per service.

``predict`` backs off from second order to first order to the service's event frequencies.
``feedback`` scores the model's top prediction against what actually happened, then learns.
"""

from __future__ import annotations

from collections import Counter, defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class ServiceModel:
    first: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    second: defaultdict[tuple[str, str], Counter[str]] = field(
        default_factory=lambda: defaultdict(Counter)
    )
    frequency: Counter[str] = field(default_factory=Counter)
    recent: deque[str] = field(default_factory=lambda: deque(maxlen=2))


class TransitionModel:
    """Counts, predictions and accuracy; see the module docstring."""

    def __init__(self) -> None:
        self.services: dict[str, ServiceModel] = {}
        self.events_seen = 0
        self.predictions = 0
        self.feedback_total = 0
        self.feedback_correct = 0

    def _model(self, service: str) -> ServiceModel:
        model = self.services.get(service)
        if model is None:
            model = self.services[service] = ServiceModel()
        return model

    def _learn(self, model: ServiceModel, history: Sequence[str], event: str) -> None:
        if history:
            model.first[history[-1]][event] += 1
        if len(history) >= 2:
            model.second[(history[-2], history[-1])][event] += 1
        model.frequency[event] += 1
        self.events_seen += 1

    def observe(self, service: str, event: str) -> None:
        """One event of the live stream (continues the service's previous events)."""
        model = self._model(service)
        self._learn(model, model.recent, event)
        model.recent.append(event)

    def learn_sequence(self, service: str, events: Sequence[str]) -> None:
        """A standalone sequence (``POST /learn {events}``)."""
        model = self._model(service)
        for index, event in enumerate(events):
            self._learn(model, events[max(0, index - 2) : index], event)

    def _ranked(self, service: str, recent: Sequence[str]) -> list[tuple[str, float]]:
        model = self.services.get(service)
        if model is None:
            return []
        counts: Counter[str] | None = None
        if len(recent) >= 2:
            counts = model.second.get((recent[-2], recent[-1]))
        if not counts and recent:
            counts = model.first.get(recent[-1])
        if not counts:
            counts = model.frequency
        total = sum(counts.values())
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        return [(event, count / total) for event, count in ranked]

    def predict(self, service: str, recent: Sequence[str], top_k: int) -> list[tuple[str, float]]:
        self.predictions += 1
        return self._ranked(service, recent)[:top_k]

    def feedback(self, service: str, recent: Sequence[str], actual: str) -> bool:
        """Score the top-1 prediction for ``recent`` against ``actual``, then learn it."""
        ranked = self._ranked(service, recent)
        correct = bool(ranked) and ranked[0][0] == actual
        self.feedback_total += 1
        self.feedback_correct += correct
        self._learn(self._model(service), list(recent[-2:]), actual)
        return correct

    @property
    def accuracy(self) -> float | None:
        if not self.feedback_total:
            return None
        return self.feedback_correct / self.feedback_total
