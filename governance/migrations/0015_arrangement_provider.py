"""The arrangement's provider is the record: the free text goes, the link takes its name."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('governance', '0014_providers_from_text'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='managementarrangement',
            name='provider',
        ),
        migrations.RenameField(
            model_name='managementarrangement',
            old_name='provider_record',
            new_name='provider',
        ),
        migrations.AlterField(
            model_name='managementarrangement',
            name='provider',
            field=models.ForeignKey(blank=True, help_text='本区登记的物业公司、社区公司、红色物业或其他管理单位；专业化物业必填。', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='arrangements', to='governance.provider', verbose_name='管理单位'),
        ),
        migrations.AddConstraint(
            model_name='managementarrangement',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('mode', 'professional'), _negated=True), ('provider__isnull', False), _connector='OR'), name='arrangement_professional_has_provider', violation_error_message='专业化物业须选择物业服务单位。'),
        ),
        migrations.AddConstraint(
            model_name='managementarrangement',
            constraint=models.CheckConstraint(condition=models.Q(('contract_end__isnull', True), ('contract_start__isnull', True), ('contract_end__gte', models.F('contract_start')), _connector='OR'), name='arrangement_contract_order', violation_error_message='合同结束日期不能早于合同开始日期。'),
        ),
    ]
