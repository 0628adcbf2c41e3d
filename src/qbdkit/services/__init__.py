"""Use cases: the only layer combining model + core + store.

Every change goes through a function here, inside one transaction, after a role
check, with its audit entry written in the same transaction. This follows the
audit-trail requirements of 21 CFR Part 11 §11.10(e) (secure, computer-generated,
time-stamped; changes do not obscure previously recorded information — hence
superseding, never deleting) and EU GMP Annex 11 §9 (who, what, when, and the
reason for a change to GMP-relevant data — hence the reason required when a
record or role is changed).

* :mod:`qbdkit.services.records` — contract A: ``save_record``, ``latest_record``,
  ``record_history``;
* :mod:`qbdkit.services.projects` — ``create_project``, ``import_project``,
  ``export_project``, ``project_document``, ``list_projects``;
* :mod:`qbdkit.services.users` — ``add_user``, ``list_users``, role checks;
* :mod:`qbdkit.services.audit` — ``audit_log``, ``verify_audit``.

Import from the submodules (``from qbdkit.services.records import save_record``).
"""
