"""The promise kinds, one module each, registered here and nowhere else."""

from __future__ import annotations

from promise_audit.kinds import (
    availability,
    callback_kept,
    callback_offer,
    custom,
    escalations,
    first_response,
    free_returns,
    hold_time,
    human_handoff,
    ivr_time,
    refund_time,
    repeat_contact,
    resolution_time,
    return_window,
    service_recovery,
    survey_cap,
    transfers,
    wait_time,
)
from promise_audit.kinds.base import Kind, MeasureEnd

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        wait_time.WaitTime(),
        hold_time.HoldTime(),
        callback_offer.CallbackOffer(),
        callback_kept.CallbackKept(),
        first_response.FirstResponse(),
        resolution_time.ResolutionTime(),
        service_recovery.ServiceRecovery(),
        transfers.Transfers(),
        escalations.Escalations(),
        repeat_contact.RepeatContact(),
        survey_cap.SurveyCap(),
        return_window.ReturnWindow(),
        refund_time.RefundTime(),
        free_returns.FreeReturns(),
        availability.Availability(),
        human_handoff.HumanHandoff(),
        ivr_time.IvrTime(),
        custom.Custom(),
    )
}


def _measure_ends() -> tuple[MeasureEnd, ...]:
    """Every measure a kind declares, once each (several kinds read the wait)."""
    ends: dict[str, MeasureEnd] = {}
    for kind in KINDS.values():
        for end in kind.measure_ends:
            if ends.setdefault(end.flag, end) != end:
                raise AssertionError(f"{end.flag} is declared twice, differently")
    return tuple(ends.values())


MEASURE_ENDS = _measure_ends()

__all__ = ["KINDS", "MEASURE_ENDS", "Kind", "MeasureEnd"]
