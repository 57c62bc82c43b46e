# run bad remote
xtrace-run --remote 'user@:x' true
