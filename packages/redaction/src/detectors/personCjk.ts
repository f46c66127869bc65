import type { Finding } from '../types';

/**
 * Names in Han, Kana and Hangul, where there is no letter case and often no space: taken after a
 * self-introduction or before an honorific, with bounded runs of the script's characters.
 *  - Japanese: 私の名前は山田太郎です / 山田様 / 田中さん;  Chinese: 我叫王伟 / 我的名字是… / 王先生;
 *  - Korean: 제 이름은 김민준입니다 / 저는 김민준이에요 / 김민준 님 / 민준씨.
 * Chinese names are 2–3 characters after the cue (a longer run is the name plus following words).
 */
export const CJK_CUE_THEN_NAME = /(?:私の名前は|わたしの名前は|名前は|私は|わたしは|我叫|我的名字是|名字是|我是|本人)([\p{Script=Han}\p{Script=Katakana}ー]{2,8})/gu;
export const CJK_NAME_THEN_HONORIFIC = /([\p{Script=Han}\p{Script=Katakana}ー]{2,4})(?:様|さま|さん|氏|先生|女士|小姐|君)/gu;
export const HANGUL_CUE_THEN_NAME = /(?:이름은|저는|나는|제 이름은) ?(\p{Script=Hangul}{2,4}?)(?:입니다|이에요|예요|이고|이라고|라고|이며|씨|님|\s|[.,!?]|$)/gu;
export const HANGUL_NAME_THEN_HONORIFIC = /(\p{Script=Hangul}{2,4}) ?(?:님|씨|고객님)/gu;
export const JAPANESE_TAIL = /(?:です|と申します|といいます|でございます)$/;
const NOT_A_NAME = new Set(['고객', '회원', '저희', '여러분', '담당자', 'お客', '皆']);

export function findCjkNames(text: string, out: Finding[]): void {
  for (const regex of [CJK_CUE_THEN_NAME, CJK_NAME_THEN_HONORIFIC, HANGUL_CUE_THEN_NAME, HANGUL_NAME_THEN_HONORIFIC]) {
    regex.lastIndex = 0;
    let match: RegExpExecArray | null;
    while ((match = regex.exec(text)) !== null) {
      let name = match[1].replace(JAPANESE_TAIL, '');
      if (regex === CJK_CUE_THEN_NAME && /^\p{Script=Han}+$/u.test(name) && name.length > 4) name = name.slice(0, 3);
      if (name.length < 2 || NOT_A_NAME.has(name)) continue;
      const start = match.index + match[0].indexOf(match[1]);
      out.push({ type: 'PERSON', start, end: start + name.length, confidence: 0.75, detector: 'person' });
    }
  }
}
