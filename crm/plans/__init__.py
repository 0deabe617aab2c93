"""The three-month plan and its tasks (tasks only so far: reassignment moves them)."""
