# view mark-uncertain on a single recording: no marks
xtrace-view --mark-uncertain -e MARKER "$DATA/kvm-svm" | grep -c " ?$"
