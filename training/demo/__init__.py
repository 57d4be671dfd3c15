"""A synthetic organisation with a year of training history, as plain records (no database).

`organisation.plan_organisation` makes teams with managers, trainers, an administrator and
employees, and team and personal assignments with due dates (some overdue).
`history.histories` makes each person's submitted and open quiz attempts, drawn with
`training.quiz`, graded with `training.quiz.total` and folded into progress with
`training.progress.after_attempt`, the same rules the app uses. Each person has a skill that
varies from person to person and grows over the year, so the dashboards have something true to
show. Everything comes from one seeded `random.Random`; `store.demo` writes the records.
"""
