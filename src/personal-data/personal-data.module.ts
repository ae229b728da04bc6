import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { LegacyContacts } from './legacy-contacts';
import { personalDataVaultFromConfig } from './personal-data-key';
import { PersonalDataKeys } from './personal-data-keys.store';
import { PersonalDataReader } from './personal-data-reader';
import { PersonalDataVault } from './personal-data-vault';

/** Contact details encrypted per request, shown decrypted only in answers, erased by destroying their key. */
@Global()
@Module({
  providers: [
    { provide: PersonalDataVault, inject: [APP_CONFIG], useFactory: (config: AppConfig) => personalDataVaultFromConfig(config) },
    PersonalDataKeys,
    PersonalDataReader,
    LegacyContacts,
  ],
  exports: [PersonalDataVault, PersonalDataKeys, PersonalDataReader, LegacyContacts],
})
export class PersonalDataModule {}
