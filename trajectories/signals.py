"""Signals trajectories sends to the apps built on it (which it does not import)."""

from django.dispatch import Signal

# Sent by services.participant_erase, inside its transaction, once the person's record and history
# are erased. Arguments: `participant` (erased), `names` (every full name the record ever held, as
# trajectories.models.person_name writes it) and `trajectory_ids` (the person's trajectories).
# Whatever copied the person's name elsewhere takes it out: the reminders' texts, for one.
participant_erased = Signal()
