"""Comprehensive enforcement by one team (综合执法一队伍): matters, cases, joint
enforcement, 双随机一公开, documents."""
