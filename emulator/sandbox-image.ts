// What the operating system inside a sandbox looks like (docs/simulation.md). The programs are the
// host's own (/usr through a copy-on-write overlay); what makes it "Alibaba Cloud Linux 3" or
// "Ubuntu 22.04" is the identity files, the package manager the image ships (and the one it does
// not: apt-get is absent on Alibaba Cloud Linux, yum on Ubuntu) and the repository configuration,
// which on Alibaba's public images points at the VPC-internal mirror mirrors.cloud.aliyuncs.com.

export type SandboxOs = 'alinux3' | 'ubuntu' | 'debian';

export interface SandboxImage {
  os: SandboxOs;
  /** 'yum' images answer yum/dnf, 'apt' images apt-get/apt. */
  packageManager: 'yum' | 'apt';
  /** /etc files written into the image (path under /etc → content). */
  etc: Record<string, string>;
  /** Host programs the image does not have (removed from the sandbox's /usr view). */
  absent: string[];
  /** nginx as the distribution packages it: its version, docroot, default page and config layout. */
  nginx: { version: string; docroot: string; indexFile: string; sitesEnabled: boolean };
}

const ALINUX_OS_RELEASE = `NAME="Alibaba Cloud Linux"
VERSION="3 (Soaring Falcon)"
ID="alinux"
ID_LIKE="rhel fedora centos anolis"
VERSION_ID="3"
PLATFORM_ID="platform:al8"
PRETTY_NAME="Alibaba Cloud Linux 3 (Soaring Falcon)"
ANSI_COLOR="0;31"
HOME_URL="https://www.aliyun.com/"
`;

// The repositories of Alibaba Cloud Linux 3 images reach the mirror over the VPC (no public IP).
const ALINUX_REPOS = ['os', 'updates', 'module', 'plus', 'powertools']
  .map(
    (r) => `[alinux3-${r}]
name=alinux3-${r}
baseurl=http://mirrors.cloud.aliyuncs.com/alinux/$releasever/${r}/$basearch/
gpgcheck=1
enabled=1
`,
  )
  .join('\n');

const UBUNTU_OS_RELEASE = `PRETTY_NAME="Ubuntu 22.04.4 LTS"
NAME="Ubuntu"
VERSION_ID="22.04"
VERSION="22.04.4 LTS (Jammy Jellyfish)"
VERSION_CODENAME=jammy
ID=ubuntu
ID_LIKE=debian
UBUNTU_CODENAME=jammy
`;

const UBUNTU_SOURCES = ['jammy', 'jammy-updates', 'jammy-security']
  .map((s) => `deb http://mirrors.cloud.aliyuncs.com/ubuntu/ ${s} main restricted universe multiverse`)
  .join('\n');

const DEBIAN_OS_RELEASE = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
`;

const COMMON_ETC = {
  passwd: [
    'root:x:0:0:root:/root:/bin/bash',
    'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
    'nginx:x:998:996:Nginx web server:/var/lib/nginx:/sbin/nologin',
    'www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin',
    'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
    '',
  ].join('\n'),
  group: ['root:x:0:', 'daemon:x:1:', 'www-data:x:33:', 'nginx:x:996:', 'nogroup:x:65534:', ''].join('\n'),
  hosts: '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n',
  // Alibaba's VPC DNS answers every instance; inside the sandbox nothing resolves (no network).
  'resolv.conf': 'nameserver 100.100.2.136\nnameserver 100.100.2.138\n',
  'nsswitch.conf': 'passwd: files\ngroup: files\nhosts: files dns\n',
};

export const IMAGES: Record<SandboxOs, SandboxImage> = {
  alinux3: {
    os: 'alinux3',
    packageManager: 'yum',
    etc: {
      ...COMMON_ETC,
      'os-release': ALINUX_OS_RELEASE,
      'redhat-release': 'Alibaba Cloud Linux release 3 (Soaring Falcon)\n',
      'alinux-release': 'Alibaba Cloud Linux release 3 (Soaring Falcon)\n',
      'yum.repos.d/AliYun.repo': ALINUX_REPOS,
    },
    absent: ['apt', 'apt-get', 'apt-cache', 'apt-key', 'dpkg', 'dpkg-query'],
    nginx: {
      version: '1.20.1',
      docroot: '/usr/share/nginx/html',
      indexFile: 'index.html',
      sitesEnabled: false,
    },
  },
  ubuntu: {
    os: 'ubuntu',
    packageManager: 'apt',
    etc: {
      ...COMMON_ETC,
      'os-release': UBUNTU_OS_RELEASE,
      'lsb-release': 'DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\n',
      'apt/sources.list': `${UBUNTU_SOURCES}\n`,
    },
    absent: ['yum', 'dnf', 'rpm'],
    nginx: {
      version: '1.18.0 (Ubuntu)',
      docroot: '/var/www/html',
      indexFile: 'index.nginx-debian.html',
      sitesEnabled: true,
    },
  },
  debian: {
    os: 'debian',
    packageManager: 'apt',
    etc: {
      ...COMMON_ETC,
      'os-release': DEBIAN_OS_RELEASE,
      debian_version: '12.8\n',
      'apt/sources.list': 'deb http://deb.debian.org/debian bookworm main\n',
    },
    absent: ['yum', 'dnf', 'rpm'],
    nginx: {
      version: '1.22.1',
      docroot: '/var/www/html',
      indexFile: 'index.nginx-debian.html',
      sitesEnabled: true,
    },
  },
};

/** The OS of an ECS image by its platform (DescribeImages' Platform: Aliyun, Ubuntu, Debian, …). */
export function osOfPlatform(platform: string | undefined): SandboxOs {
  if (!platform) return 'alinux3';
  if (/ubuntu/i.test(platform)) return 'ubuntu';
  if (/debian/i.test(platform)) return 'debian';
  return 'alinux3';
}

/**
 * The OS of a container image or FC runtime by its name. Alibaba/RHEL-family names are yum images,
 * Ubuntu names are Ubuntu; everything else (python:, node:, custom.debian10, …) is Debian, which is
 * what the official language images and FC's built-in runtimes are built on.
 */
export function osOfImageName(name: string | undefined): SandboxOs {
  const n = (name ?? '').toLowerCase();
  if (/alinux|alibaba-cloud-linux|anolis|centos|rhel|rocky|almalinux|fedora|amazonlinux/.test(n))
    return 'alinux3';
  if (/ubuntu|nvidia\/cuda|pytorch\/pytorch|tensorflow\/tensorflow|dsw-registry|pai-dlc/.test(n))
    return 'ubuntu';
  return 'debian';
}
