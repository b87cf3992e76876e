// The Alibaba SDK packages, each required the first time acp calls its product. A product's package is
// megabytes of model classes that take a tenth of a second to load even from the precompiled CLI, so a
// quote on ECS loads ECS's alone, not VPC's, FC's, ACK's, SLS's, RAM's and OSS's too (bench/startup.ts).
// Types still come from `import type`; only the values go through here.
export const sdk = {
  get ecs() {
    return require('@alicloud/ecs20140526') as typeof import('@alicloud/ecs20140526');
  },
  get vpc() {
    return require('@alicloud/vpc20160428') as typeof import('@alicloud/vpc20160428');
  },
  get cs() {
    return require('@alicloud/cs20151215') as typeof import('@alicloud/cs20151215');
  },
  get fc() {
    return require('@alicloud/fc20230330') as typeof import('@alicloud/fc20230330');
  },
  get sls() {
    return require('@alicloud/sls20201230') as typeof import('@alicloud/sls20201230');
  },
  get ram() {
    return require('@alicloud/ram20150501') as typeof import('@alicloud/ram20150501');
  },
  get sts() {
    return require('@alicloud/sts20150401') as typeof import('@alicloud/sts20150401');
  },
  get oss() {
    return require('@alicloud/oss20190517') as typeof import('@alicloud/oss20190517');
  },
  /** The older generic client the OSS SDK is built on (its Config, OpenApiRequest, Params). */
  get openApiClient() {
    return require('@alicloud/openapi-client') as typeof import('@alicloud/openapi-client');
  },
  get teaUtil() {
    return require('@alicloud/tea-util') as typeof import('@alicloud/tea-util');
  },
};
