#!/bin/sh
# Runs once per instance: appends, so that a second run would show.
echo "script ran as $(id -un) in $(pwd) home=$HOME id=$HEARTH_INSTANCE_ID" >> "$HEARTH_ROOT/script-ran"
echo "script output for the log"
