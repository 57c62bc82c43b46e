# merge bad clock-step
xtrace-multi-merge -q -o out --clock-step=middle "$DATA/kvm-svm"
