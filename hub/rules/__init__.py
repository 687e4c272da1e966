"""Cross-department rules from `config.yaml` (`rules:`): events, conditions and actions, run in
the transaction of the change that triggers them."""
