# The QEMU test guest (tests/vm/, docs/test-guest.md): make check-vm builds kvm-tiny, the guest
# image (Debian's kernel + an initramfs, cached under build/vm/) and runs tests/vm/t-vm-*.sh,
# each booting guests under QEMU TCG (-cpu max: emulated AMD SVM, so KVM works inside).
VM_TINY := $(B)/tests/vm/kvm-tiny

# static: it runs in the guest's initramfs
$(VM_TINY): tests/vm/kvm-tiny.c
	@mkdir -p $(dir $@)
	$(QUIET_LINK)$(CC) -std=gnu11 -D_GNU_SOURCE -Wall -Wextra $(WERROR) $(CFLAGS) -static -o $@ $<

vm-image: all $(VM_TINY)
	$(Q)tests/vm/build-guest.sh

check-vm: deps
	$(Q)$(MAKE) --no-print-directory all $(VM_TINY)
	$(Q)tests/vm/run-vm-tests.sh

.PHONY: vm-image check-vm

# make check boots the guest too (tests/integration/t-guest-services.sh, tests/vm/t-vm-*.sh):
# QEMU and kmod (depmod for the guest's modules); kvm-tiny built with the rest
EXTRA_DEPS_TEST += qemu-system-x86 kmod openssh-server openssh-client
EXTRA_CHECK     += $(VM_TINY)
