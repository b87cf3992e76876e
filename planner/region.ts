// Where the job runs (step 3 in docs/architecture.md). A region the user names wins. Otherwise the script and the
// intent are scanned for overseas fetches: any → ap-southeast-1 first, then the other overseas
// regions; none → cn-hangzhou first, then the other mainland regions. Hong Kong counts as overseas:
// it reaches PyPI, GitHub and Docker Hub without crossing the mainland border.

import { findOverseasFetches, joinPhrases, type OverseasFetch } from './fetches';
import { generateScript } from './templates';
import type { Intent, RegionChoice } from './types';

/** Mainland regions acp quotes, best first. */
export const MAINLAND_REGIONS = [
  'cn-hangzhou',
  'cn-shanghai',
  'cn-beijing',
  'cn-shenzhen',
  'cn-zhangjiakou',
] as const;
/** Overseas regions acp quotes, best first for a job that downloads from overseas registries. */
export const OVERSEAS_REGIONS = [
  'ap-southeast-1',
  'cn-hongkong',
  'ap-northeast-1',
  'us-west-1',
  'eu-central-1',
] as const;

export type RegionClass = 'mainland' | 'overseas';

export interface RegionInfo {
  id: string;
  name: string;
  /** Names people use for it, lower case, English and Chinese ("singapore", "新加坡"). */
  aliases: string[];
  class: RegionClass;
}

/**
 * Alibaba Cloud public region ids (ECS DescribeRegions, 2025). A user may name any of them; only the
 * ten above are scanned automatically.
 */
export const ALIBABA_REGIONS: RegionInfo[] = [
  { id: 'cn-hangzhou', name: 'China (Hangzhou)', aliases: ['hangzhou', '杭州'], class: 'mainland' },
  { id: 'cn-shanghai', name: 'China (Shanghai)', aliases: ['shanghai', '上海'], class: 'mainland' },
  { id: 'cn-beijing', name: 'China (Beijing)', aliases: ['beijing', '北京'], class: 'mainland' },
  { id: 'cn-shenzhen', name: 'China (Shenzhen)', aliases: ['shenzhen', '深圳'], class: 'mainland' },
  {
    id: 'cn-zhangjiakou',
    name: 'China (Zhangjiakou)',
    aliases: ['zhangjiakou', '张家口'],
    class: 'mainland',
  },
  { id: 'cn-qingdao', name: 'China (Qingdao)', aliases: ['qingdao', '青岛'], class: 'mainland' },
  {
    id: 'cn-huhehaote',
    name: 'China (Hohhot)',
    aliases: ['hohhot', 'huhehaote', '呼和浩特'],
    class: 'mainland',
  },
  {
    id: 'cn-wulanchabu',
    name: 'China (Ulanqab)',
    aliases: ['ulanqab', 'wulanchabu', '乌兰察布'],
    class: 'mainland',
  },
  {
    id: 'cn-nanjing',
    name: 'China (Nanjing - Local Region)',
    aliases: ['nanjing', '南京'],
    class: 'mainland',
  },
  { id: 'cn-fuzhou', name: 'China (Fuzhou - Local Region)', aliases: ['fuzhou', '福州'], class: 'mainland' },
  { id: 'cn-wuhan-lr', name: 'China (Wuhan - Local Region)', aliases: ['wuhan', '武汉'], class: 'mainland' },
  { id: 'cn-heyuan', name: 'China (Heyuan)', aliases: ['heyuan', '河源'], class: 'mainland' },
  { id: 'cn-guangzhou', name: 'China (Guangzhou)', aliases: ['guangzhou', '广州'], class: 'mainland' },
  { id: 'cn-chengdu', name: 'China (Chengdu)', aliases: ['chengdu', '成都'], class: 'mainland' },
  {
    id: 'cn-hongkong',
    name: 'China (Hong Kong)',
    aliases: ['hong kong', 'hongkong', '香港'],
    class: 'overseas',
  },
  { id: 'ap-southeast-1', name: 'Singapore', aliases: ['singapore', '新加坡'], class: 'overseas' },
  {
    id: 'ap-northeast-1',
    name: 'Japan (Tokyo)',
    aliases: ['tokyo', 'japan', '东京', '日本'],
    class: 'overseas',
  },
  {
    id: 'ap-northeast-2',
    name: 'South Korea (Seoul)',
    aliases: ['seoul', 'korea', '首尔', '韩国'],
    class: 'overseas',
  },
  {
    id: 'ap-southeast-3',
    name: 'Malaysia (Kuala Lumpur)',
    aliases: ['kuala lumpur', 'malaysia', '吉隆坡'],
    class: 'overseas',
  },
  {
    id: 'ap-southeast-5',
    name: 'Indonesia (Jakarta)',
    aliases: ['jakarta', 'indonesia', '雅加达'],
    class: 'overseas',
  },
  {
    id: 'ap-southeast-6',
    name: 'Philippines (Manila)',
    aliases: ['manila', 'philippines', '马尼拉'],
    class: 'overseas',
  },
  {
    id: 'ap-southeast-7',
    name: 'Thailand (Bangkok)',
    aliases: ['bangkok', 'thailand', '曼谷'],
    class: 'overseas',
  },
  {
    id: 'us-west-1',
    name: 'US (Silicon Valley)',
    aliases: ['silicon valley', 'us west', '硅谷', '美西'],
    class: 'overseas',
  },
  {
    id: 'us-east-1',
    name: 'US (Virginia)',
    aliases: ['virginia', 'us east', '弗吉尼亚', '美东'],
    class: 'overseas',
  },
  {
    id: 'eu-central-1',
    name: 'Germany (Frankfurt)',
    aliases: ['frankfurt', 'germany', '法兰克福', '德国'],
    class: 'overseas',
  },
  { id: 'eu-west-1', name: 'UK (London)', aliases: ['london', '伦敦', '英国'], class: 'overseas' },
  { id: 'me-east-1', name: 'UAE (Dubai)', aliases: ['dubai', '迪拜'], class: 'overseas' },
  { id: 'me-central-1', name: 'Saudi Arabia (Riyadh)', aliases: ['riyadh', '利雅得'], class: 'overseas' },
  { id: 'na-south-1', name: 'Mexico', aliases: ['mexico', '墨西哥'], class: 'overseas' },
];

export const REGION_IDS: readonly string[] = ALIBABA_REGIONS.map((r) => r.id);

export function isRegionId(id: string): boolean {
  return REGION_IDS.includes(id);
}

/** 'mainland' for cn-* regions except Hong Kong, otherwise 'overseas'. */
export function regionClass(region: string): RegionClass {
  const known = ALIBABA_REGIONS.find((r) => r.id === region);
  if (known) return known.class;
  return region.startsWith('cn-') && region !== 'cn-hongkong' ? 'mainland' : 'overseas';
}

/** Regions of the same class to fail over to, best first, without `region` itself. */
export function fallbackRegions(region: string): string[] {
  const list: readonly string[] = regionClass(region) === 'mainland' ? MAINLAND_REGIONS : OVERSEAS_REGIONS;
  return list.filter((r) => r !== region);
}

/**
 * Choose the region. `script` is the script content; when absent and the intent asks for a template,
 * the template acp would generate is scanned instead (it is what will run).
 */
export function chooseRegion(intent: Intent, script?: string): RegionChoice {
  const content = script ?? templateContent(intent);
  const scriptWord = script === undefined ? `the generated ${intent.template} script` : 'the script';
  const fromScript = content ? findOverseasFetches(content, 'script') : [];
  const fromText = intent.text ? findOverseasFetches(intent.text, 'text') : [];
  const fetches = [...fromScript, ...fromText.filter((t) => !fromScript.some((s) => s.what === t.what))];
  const what = fetches.map((f) => f.what);

  if (intent.region) {
    const overseas = regionClass(intent.region) === 'overseas';
    const note =
      !overseas && fetches.length > 0
        ? `; note: ${describe(fromScript, fromText, scriptWord)}, which may be slow or fail from a mainland region`
        : '';
    // A named region is a lock, like a named product: no automatic failover to other regions.
    return {
      region: intent.region,
      reason: `you asked for ${intent.region}${note}`,
      fallbacks: [],
      overseas,
      fetches: what,
    };
  }
  if (fetches.length > 0) {
    const [region, ...fallbacks] = OVERSEAS_REGIONS;
    return {
      region,
      reason: `${describe(fromScript, fromText, scriptWord)}, which is slow or unreachable from mainland China, so overseas regions`,
      fallbacks,
      overseas: true,
      fetches: what,
    };
  }
  const [region, ...fallbacks] = MAINLAND_REGIONS;
  const looked = content ? `${scriptWord} and the intent fetch` : 'the intent fetches';
  return {
    region,
    reason: `${looked} nothing from overseas, so mainland regions, nearest to users in China`,
    fallbacks,
    overseas: false,
    fetches: [],
  };
}

/** The script acp would generate, or undefined when the intent cannot produce one yet (no image named). */
function templateContent(intent: Intent): string | undefined {
  if (!intent.template) return undefined;
  try {
    return generateScript(intent).content;
  } catch {
    return undefined;
  }
}

function describe(fromScript: OverseasFetch[], fromText: OverseasFetch[], scriptWord: string): string {
  const parts: string[] = [];
  if (fromScript.length > 0) parts.push(`${scriptWord} ${joinPhrases(fromScript.map((f) => f.phrase))}`);
  const textOnly = fromText.filter((t) => !fromScript.some((s) => s.what === t.what));
  if (textOnly.length > 0) parts.push(`the intent mentions ${joinPhrases(textOnly.map((f) => f.what))}`);
  return parts.join('; ');
}

/** The region a place name or id in free text refers to ("in Singapore", "在杭州", "region cn-shanghai"). */
export function regionFromText(text: string): { region?: string; unknownId?: string } {
  const lower = text.toLowerCase();
  const id = /\b((?:cn|ap|us|eu|me|na|rus)-[a-z]+(?:-[a-z]+)?(?:-\d+)?)\b/.exec(lower);
  if (id) {
    const raw = id[1];
    if (isRegionId(raw)) return { region: raw };
    // A zone id ("cn-hangzhou-h") names its region.
    const zoneOf = raw.replace(/-[a-z]$/, '');
    if (zoneOf !== raw && isRegionId(zoneOf)) return { region: zoneOf };
    if (/^(cn|ap|us|eu|me|na|rus)-/.test(raw) && /\bregion\b|区域|地域/.test(lower))
      return { unknownId: raw };
    if (/^(ap|us|eu|me|na)-[a-z]+-\d+$/.test(raw)) return { unknownId: raw };
  }
  for (const r of ALIBABA_REGIONS) {
    for (const alias of r.aliases) {
      if (/^[a-z ]+$/.test(alias)) {
        if (new RegExp(`\\b${alias}\\b`).test(lower)) return { region: r.id };
      } else if (lower.includes(alias)) {
        return { region: r.id };
      }
    }
  }
  return {};
}
