/**
 * The closed vocabulary pseudonyms are drawn from. Verification treats a PERSON or STREET_ADDRESS
 * made only of these words as a known surrogate (see README "Pseudonyms and verification").
 * None of these first names is in the ambiguous-word list, so the detector still sees them as
 * names — which is why verification needs the list, and why the list is closed.
 */
export const SURROGATE_FIRST_NAMES = [
  'Avery', 'Blake', 'Camila', 'Dorian', 'Elena', 'Felix', 'Greta', 'Hugo', 'Imogen', 'Jonah', 'Kira', 'Leon',
  'Mara', 'Nolan', 'Oriana', 'Pablo', 'Quinn', 'Rosalind', 'Soren', 'Talia', 'Ulric', 'Vera', 'Wendell', 'Xenia',
  'Yusuf', 'Zelda', 'Anika', 'Bruno', 'Celeste', 'Desmond', 'Elise', 'Fabian', 'Gideon', 'Helena', 'Ingrid', 'Jasper',
  'Katya', 'Lionel', 'Marisol', 'Nikolai', 'Odette', 'Priya', 'Rafael', 'Selma', 'Tobias', 'Ursula', 'Valentin', 'Wilhelmina',
  'Amara', 'Bastian', 'Corinne', 'Dmitri', 'Estelle', 'Florian', 'Gwendolyn', 'Henrik', 'Isadora', 'Julian', 'Leopold', 'Mirela',
  'Nadia', 'Osvaldo', 'Petra', 'Quentin',
] as const;

export const SURROGATE_LAST_NAMES = [
  'Abernathy', 'Bexley', 'Castellano', 'Delacroix', 'Eastwick', 'Fairbanks', 'Galloway', 'Hargrove', 'Ingleby', 'Jessup',
  'Kensington', 'Lindqvist', 'Marchetti', 'Northcott', 'Okonkwo', 'Pemberton', 'Quarrington', 'Rasmussen', 'Sandoval', 'Thackeray',
  'Underhill', 'Vasquez', 'Whitlock', 'Yardley', 'Zeller', 'Ashdown', 'Blackwood', 'Cordova', 'Drummond', 'Ellsworth',
  'Fontaine', 'Greenhalgh', 'Holloway', 'Iverson', 'Jablonski', 'Kowalczyk', 'Lockhart', 'Moreau', 'Nakamura', 'Oyelaran',
  'Prescott', 'Quimby', 'Ravensworth', 'Sorensen', 'Tremblay', 'Umberto', 'Valdivia', 'Wexford', 'Yamada', 'Zamora',
  'Achterberg', 'Brightwater', 'Calloway', 'Dunmore', 'Everhart', 'Fitzwilliam', 'Grimaldi', 'Hathaway', 'Ishikawa', 'Juarez',
  'Kilbride', 'Larkspur', 'Montague', 'Novak',
] as const;

export const SURROGATE_STREET_NAMES = [
  'Juniper', 'Larchmont', 'Quillfeather', 'Amberleigh', 'Brackenridge', 'Cobblestone', 'Dovecote', 'Elderberry',
  'Foxglove', 'Gorsebrook', 'Heatherfield', 'Ivybridge', 'Kestrel', 'Lindenhurst', 'Marigold', 'Nettlebed',
  'Orchardgate', 'Primrose', 'Rookwood', 'Saffron', 'Thistledown', 'Umberleigh', 'Wrenfield', 'Yarrow',
] as const;

export const SURROGATE_NAME_WORDS: ReadonlySet<string> = new Set([...SURROGATE_FIRST_NAMES, ...SURROGATE_LAST_NAMES]);
export const SURROGATE_STREET_WORDS: ReadonlySet<string> = new Set(SURROGATE_STREET_NAMES);

/** NANP area codes in service, used for fictional 555-01XX numbers (which are valid-looking). */
export const SURROGATE_AREA_CODES = ['201', '202', '206', '212', '213', '303', '305', '312', '404', '415', '503', '512', '602', '617', '702', '713', '808', '917', '919', '971'] as const;

/** RFC 2606 / RFC 6761 names that can never be a real person's mailbox. */
export const SURROGATE_EMAIL_DOMAINS = ['example.com', 'example.org', 'example.net'] as const;
export const RESERVED_EMAIL_DOMAIN = /(?:^|\.)(?:example\.(?:com|org|net)|example|invalid|test|localhost)$/i;
