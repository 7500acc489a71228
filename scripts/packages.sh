# The Debian packages vmorph's tests and lab need, in one place: sourced by scripts/deps (which installs them all
# before the first test) and by scripts/lab (which installs what it needs when run on its own).

# libvirt's client library and daemon, and QEMU: the lab guests, the libvirt driver's tests (test:///default needs
# only libvirt0), and the host the planner reads its capabilities from; curl for the web clients outside the
# workloads guest (scripts/lab clients).
VMORPH_LAB_PACKAGES=(libvirt0 libvirt-daemon-system libvirt-clients libvirt-daemon-driver-qemu qemu-system-x86 qemu-utils
    iproute2 libglib2.0-0 libnuma1 liburing2 libudev1 curl)

# What builds the Debian lab guest (scripts/lab up --debian).
VMORPH_DEBIAN_GUEST_PACKAGES=(debootstrap dpkg-dev e2fsprogs)

# The headless browser the dashboard's browser test drives (Playwright for .NET, through /usr/bin/chromium: no browser
# download). Node.js and npm, which build the dashboard, come with the machine's image (not from Debian: its npm 9
# and Node.js 18 are too old for the dashboard's Vite).
VMORPH_BROWSER_PACKAGES=(chromium)

# The tools beside the tests: jq for bench/workload-confusion.sh; and the build tools and headers of the machine
# image CI was measured on (an early `scripts/deps purge` cascade removed them here and they were put back by hand),
# installed so that a new machine has what this one had. `scripts/deps purge` never removes these.
VMORPH_MACHINE_PACKAGES=(jq bzip2 fakeroot libbrotli-dev libc-devtools libfontconfig1-dev libfreetype-dev libxft-dev
    libxrender-dev libxss-dev tcl-dev tk-dev uuid-dev)

# Everything scripts/deps installs before the first test.
VMORPH_TEST_PACKAGES=("${VMORPH_LAB_PACKAGES[@]}" "${VMORPH_DEBIAN_GUEST_PACKAGES[@]}" "${VMORPH_BROWSER_PACKAGES[@]}"
    "${VMORPH_MACHINE_PACKAGES[@]}")
