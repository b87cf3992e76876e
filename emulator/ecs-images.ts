// Public (system) images, the same in every region. Ids follow Alibaba's naming
// (<os>_<ver>_x64_20G_alibase_<date>.vhd); a family resolves to its newest image.

export interface ImageFacts {
  imageId: string;
  family: string;
  version: string;
  osName: string;
  osNameEn: string;
  platform: string;
  creationTime: string;
}

export const SYSTEM_IMAGES: ImageFacts[] = [
  {
    imageId: 'aliyun_3_x64_20G_alibase_20240528.vhd',
    family: 'acs:alibaba_cloud_linux_3_2104_lts_x64',
    version: '3.2104.9',
    osName: 'Alibaba Cloud Linux  3.2104 LTS 64位',
    osNameEn: 'Alibaba Cloud Linux  3.2104 LTS 64 bit',
    platform: 'Aliyun',
    creationTime: '2024-05-28T09:16:42Z',
  },
  {
    imageId: 'aliyun_3_x64_20G_alibase_20241218.vhd',
    family: 'acs:alibaba_cloud_linux_3_2104_lts_x64',
    version: '3.2104.11',
    osName: 'Alibaba Cloud Linux  3.2104 LTS 64位',
    osNameEn: 'Alibaba Cloud Linux  3.2104 LTS 64 bit',
    platform: 'Aliyun',
    creationTime: '2024-12-18T10:02:11Z',
  },
  {
    imageId: 'ubuntu_22_04_x64_20G_alibase_20240130.vhd',
    family: 'acs:ubuntu_22_04_x64',
    version: '22.04',
    osName: 'Ubuntu  22.04 64位',
    osNameEn: 'Ubuntu  22.04 64 bit',
    platform: 'Ubuntu',
    creationTime: '2024-01-30T07:40:05Z',
  },
  {
    imageId: 'ubuntu_22_04_x64_20G_alibase_20241224.vhd',
    family: 'acs:ubuntu_22_04_x64',
    version: '22.04',
    osName: 'Ubuntu  22.04 64位',
    osNameEn: 'Ubuntu  22.04 64 bit',
    platform: 'Ubuntu',
    creationTime: '2024-12-24T03:21:58Z',
  },
  {
    imageId: 'ubuntu_24_04_x64_20G_alibase_20241115.vhd',
    family: 'acs:ubuntu_24_04_x64',
    version: '24.04',
    osName: 'Ubuntu  24.04 64位',
    osNameEn: 'Ubuntu  24.04 64 bit',
    platform: 'Ubuntu',
    creationTime: '2024-11-15T08:12:30Z',
  },
  {
    imageId: 'debian_12_8_x64_20G_alibase_20241203.vhd',
    family: 'acs:debian_12_x64',
    version: '12.8',
    osName: 'Debian  12.8 64位',
    osNameEn: 'Debian  12.8 64 bit',
    platform: 'Debian',
    creationTime: '2024-12-03T06:45:19Z',
  },
];

export function imageById(id: string): ImageFacts | undefined {
  return SYSTEM_IMAGES.find((i) => i.imageId === id);
}

/** The newest image of a family (what RunInstances.ImageFamily and DescribeImages.ImageFamily give). */
export function latestOfFamily(family: string): ImageFacts | undefined {
  return SYSTEM_IMAGES.filter((i) => i.family === family).sort((a, b) =>
    b.creationTime.localeCompare(a.creationTime),
  )[0];
}
