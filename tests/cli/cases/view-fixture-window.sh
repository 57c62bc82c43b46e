# view fixture window: the VM exits within 100 us of 0.2 s after the start, times relative
xtrace-view -t rel --around +0.2s±100us -e "KVM*" "$DATA/kvm-svm" | head -4
