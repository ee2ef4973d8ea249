"""The command center (指挥调度一中心): screen, analysis, tasks, emergencies, assessment."""
