"""The REST API of the person's path: participants, trajectories with their actions, sessions, referrals.

Every view starts from the access policy (trajectories.policies) and every change calls the same
service as the page does; serializers only read and validate."""
