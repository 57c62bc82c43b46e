# view fixture info
cd "$DATA" && xtrace-view -i kvm-svm | head -8
