# view fixture short
xtrace-view -t short "$DATA/kvm-svm" | sed -n "100,103p"
