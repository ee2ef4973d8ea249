"""Notifications (消息): the in-app inbox and the SMS gateway; domain services call it."""
