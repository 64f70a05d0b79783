"""The `harmlabel` command line: composes the service and the training tools.

It lives outside both so that `service/` never imports `training/`; training
commands import their modules lazily, so the runtime image needs no torch.
"""
