"""What each canonical field means and how it is derived, for docs/fields.md and for people.

The types come from records.schema; the kinds that need a field come from the kinds' own
requirements (promise_audit.docs builds the page), so the page cannot drift from the code.
"""

from __future__ import annotations

FIELDS_PAGE = "docs/fields.md"

MEANINGS: dict[str, str] = {
    "contact_id": "One customer contact; where a source splits a journey into legs "
    "(transfers start new legs), the legs are joined so one record is one journey.",
    "customer_id": "Who made the contact; repeat contacts and survey caps are counted per "
    "customer.",
    "channel": "How the customer came: phone, chat, email, messaging, social, web_form, "
    "in_person or other (read in lower case).",
    "queue": "The queue the contact waited in.",
    "team": "The team (group, agency, department) that handled it.",
    "agent_id": "The person who handled it.",
    "segment": "A customer segment, such as a loyalty tier.",
    "language": "The language of the contact.",
    "topic": "What the contact was about (category, reason, complaint type).",
    "initiated_at": "When the customer started the contact.",
    "enqueued_at": "When the contact entered a queue for a person.",
    "answered_at": "When a person connected (calls, chats).",
    "answered": "Whether a person connected.",
    "first_response_at": "The first reply from a person (email, forms, messaging, social).",
    "ended_at": "When the contact ended.",
    "resolved_at": "When the customer's issue was resolved.",
    "abandoned": "The customer gave up before a person answered.",
    "wait_seconds": "Time in the queue before a person answered (or before the customer gave up).",
    "hold_seconds": "Time on hold during the conversation, in total.",
    "longest_hold_seconds": "The longest single hold during the conversation.",
    "hold_count": "How many times the customer was put on hold.",
    "ivr_seconds": "Time spent in the phone menu (IVR) before reaching a queue.",
    "ivr_steps": "How many menus the customer went through.",
    "transfers": "How many times the contact was transferred.",
    "callback_offered": "A callback was offered instead of waiting.",
    "callback_requested_at": "When the customer accepted a callback.",
    "callback_at": "When a person reached the customer on the callback.",
    "bot_handled": "A bot took the contact first.",
    "human_requested_at": "When the customer asked the bot for a person.",
    "human_joined_at": "When a person joined.",
    "escalated": "The contact was passed to a supervisor or a higher tier.",
    "escalations": "How many times it was passed up.",
    "service_failure": "The organisation made a mistake on this contact.",
    "failure_at": "When the mistake happened.",
    "recovered_at": "When the mistake was put right.",
    "apologized": "The customer got an apology.",
    "goodwill_amount": "The value of a goodwill gesture (a credit, a refund, an upgrade).",
    "survey_sent_at": "When a satisfaction survey was sent.",
    "csat": "The customer's satisfaction rating (1-5).",
    "nps": "The customer's likelihood to recommend (0-10).",
    "order_id": "The order a return is about.",
    "purchased_at": "When the order was bought.",
    "return_requested_at": "When the customer asked to return it.",
    "return_decision": "accepted or rejected.",
    "refund_at": "When the money was paid back.",
    "return_shipping_fee": "What the customer paid to send the return back.",
}

DERIVATIONS: dict[str, str] = {
    "answered": "From answered_at: true where it is at or before as_of, false where it is "
    "missing. A platform reader that sees a person answer without a time sets it true and "
    "leaves answered_at missing.",
    "abandoned": "Where the source gives answered_at or answered, and enqueued_at (or "
    "wait_seconds): queued and never answered by as_of (answered false, where only the flag "
    "is given; unknown where it is missing).",
    "wait_seconds": "Where the source gives enqueued_at and answered_at (or ended_at, for a "
    "contact nobody answered): the time between them.",
    "longest_hold_seconds": "Where the source gives hold_seconds and hold_count: "
    "hold_seconds when there was at most one hold.",
    "escalated": "From escalations: true when it is above 0.",
    "failure_at": "service_recovery starts its clock here, or at initiated_at where it is missing.",
    "recovered_at": "service_recovery reads resolved_at where recovered_at is missing.",
    "transfers": "Platform readers count the legs of a journey (see docs/formats/).",
}
