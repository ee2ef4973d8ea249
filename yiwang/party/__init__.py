"""Party building and co-governance (党建引领、共建共治)."""
